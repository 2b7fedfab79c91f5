/** Preloaded into a profiled child (node --cpu-prof -r ...): SIGTERM exits normally, so V8 writes the profile. */
process.on('SIGTERM', () => process.exit(0));

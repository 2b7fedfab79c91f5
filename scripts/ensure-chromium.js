#!/usr/bin/env node
// `npm test`'s pretest step. The browser tests (test/dashboard, test/openapi/docs-ui) drive a
// Chromium through playwright-core, which downloads no browser. On a fresh Debian or Ubuntu machine
// run as root (a container, CI), this installs Debian's chromium, as .ci/run does; elsewhere it says
// in one line what is missing. It never fails the run itself: the browser tests then fail and say why.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');

const wanted = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function onPath(command) {
  return (process.env.PATH || '').split(':').some((dir) => dir !== '' && fs.existsSync(`${dir}/${command}`));
}

if (fs.existsSync(wanted)) process.exit(0);

const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!process.env.CHROMIUM_PATH && root && onPath('apt-get')) {
  console.log('Installing Chromium for the browser tests (apt-get install chromium) ...');
  try {
    const quiet = { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
    execFileSync('apt-get', ['update', '-qq'], quiet);
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-liberation'], quiet);
    if (fs.existsSync(wanted)) process.exit(0);
  } catch {
    // reported below
  }
}
const other = ['google-chrome', 'chromium-browser', 'chrome'].find(onPath);
console.log(
  `Chromium is missing at ${wanted}: the browser tests will fail. ` +
    (other
      ? `Run "CHROMIUM_PATH=$(command -v ${other}) npm test".`
      : 'Install it ("sudo apt-get install chromium") or set CHROMIUM_PATH to a Chrome or Chromium binary.'),
);

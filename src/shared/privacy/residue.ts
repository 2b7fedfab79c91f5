/**
 * Stores that keep images of overwritten data outside their live pages. SQLite in WAL mode
 * appends every changed page to the -wal file and reuses that file from the start after a
 * checkpoint, without clearing it: the previous content of a page (a profile before its personal
 * fields were erased) stays readable there until it is overwritten. checkpoint() copies the WAL
 * into the database and truncates the file to zero bytes.
 *
 * (Inside the database file, `secure_delete` makes SQLite zero deleted content instead.)
 */
export interface Checkpointable {
  checkpoint(): Promise<void>;
}

export function isCheckpointable(store: unknown): store is Checkpointable {
  return typeof store === 'object' && store !== null && typeof (store as { checkpoint?: unknown }).checkpoint === 'function';
}

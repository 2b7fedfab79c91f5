/** The driver builds a bulk write's per-document errors from this class but exports only its type at the top. */
declare module 'mongodb/lib/bulk/common' {
  export { WriteError } from 'mongodb';
}

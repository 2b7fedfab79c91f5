/**
 * mingo publishes its update operators as the subpath 'mingo/operators/update' (package.json
 * "exports", which Node and Jest follow); this project's TypeScript moduleResolution ("node") does
 * not read "exports", so the part of that module the differential test
 * (test/read-store/update-engine-vs-mingo.unit.spec.ts) uses is declared here.
 */
declare module 'mingo/operators/update' {
  /** Compiles one operator's expression ({ path: value }) into a mutation of a document; returns the changed paths. */
  type UpdateOperator = (expr: Record<string, unknown>) => (obj: Record<string, unknown>) => string[];
  export const $set: UpdateOperator;
  export const $unset: UpdateOperator;
  export const $inc: UpdateOperator;
  export const $mul: UpdateOperator;
  export const $min: UpdateOperator;
  export const $max: UpdateOperator;
  export const $push: UpdateOperator;
  export const $addToSet: UpdateOperator;
  export const $pull: UpdateOperator;
}

/** mingo's Query without its default context (main's Query copies every operator table per filter). */
declare module 'mingo/query' {
  export { Query } from 'mingo';
}

/** mingo's query operators ($eq, $gt, $in, $and, $elemMatch, ...), to build a context of only these. */
declare module 'mingo/operators/query' {
  const operators: Record<`$${string}`, unknown>;
  export = operators;
}

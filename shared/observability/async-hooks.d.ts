// The Workers tsconfigs load the Workers types, not Node's: this is the part of node:async_hooks
// that nodejs_compat provides and context.ts uses (the Node-side tsconfig has @types/node).
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, fn: () => R): R;
  }
}

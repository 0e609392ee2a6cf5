import type { ExecuteOptions, OperationExecutor } from "../../../lib/client/executor.ts";
import type { Operation } from "../../../lib/client/operation.ts";
import type { ResolvedEvent } from "../../../lib/client/resolved_event.ts";

/** An executor that delegates to `executor` and keeps every array an operation resolved with. */
export function keepingResults(executor: OperationExecutor): {
  executor: OperationExecutor;
  results: ResolvedEvent[][];
} {
  const results: ResolvedEvent[][] = [];
  const spy: OperationExecutor = {
    get state() {
      return executor.state;
    },
    watch: (listener) => executor.watch(listener),
    states: (signal) => executor.states(signal),
    async execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T> {
      const result = await executor.execute(operation, options);
      if (Array.isArray(result)) results.push(result);
      return result;
    },
    sendFor: (operation, request) => executor.sendFor(operation, request),
    release: (operation) => executor.release(operation),
    close: () => executor.close(),
    drain: () => executor.drain(),
  };
  return { executor: spy, results };
}

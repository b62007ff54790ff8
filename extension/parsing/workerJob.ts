import { Worker, type ResourceLimits } from 'worker_threads';

/** What every worker of the extension posts: progress, a result, or an error with its name. */
export type JobMessage<P, R> = ({ kind: 'progress' } & P) | ({ kind: 'done' } & R) | { kind: 'error'; name: string; message: string; stack?: string };

export interface JobOptions<P> {
  /** "index", "simulation": used in the messages of a crash or a cancel. */
  what: string;
  onProgress?: (p: P) => void;
  cancel?: { onCancellationRequested(listener: () => void): unknown };
  resourceLimits?: ResourceLimits;
}

/**
 * Runs a worker until it posts its result. Cancelling terminates it (work in a worker cannot be
 * interrupted any other way); errors come back with their name (`Cancelled`, `WorkerCrash`, or
 * the name the worker posted).
 */
export function runWorkerJob<P, R>(workerScript: string, data: unknown, o: JobOptions<P>): Promise<R> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScript, { workerData: data, resourceLimits: o.resourceLimits });
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
      void worker.terminate();
    };
    const fail = (name: string, message: string, stack?: string): void => finish(() => reject(Object.assign(new Error(message), { name, stack: stack ?? `${name}: ${message}` })));
    worker.on('message', (m: JobMessage<P, R>) => {
      if (m.kind === 'progress') {
        if (!settled) o.onProgress?.(m);
      } else if (m.kind === 'done') finish(() => resolve(m));
      else fail(m.name, m.message, m.stack);
    });
    worker.on('error', (e) => fail('WorkerCrash', `the ${o.what} worker crashed: ${e.message}`));
    worker.on('exit', (code) => fail('WorkerCrash', `the ${o.what} worker exited with code ${code} before it finished`));
    o.cancel?.onCancellationRequested(() => fail('Cancelled', `${o.what} cancelled`));
  });
}

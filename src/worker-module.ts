/**
 * A worker thread running one of our modules, `name` beside the caller (callerUrl: its
 * import.meta.url). Compiled, dist/ has the .js beside the caller. Run from the TypeScript sources
 * (tsx), a worker does not inherit the loader that `--import tsx` gave this thread, so it registers
 * tsx itself before loading the module.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

export function moduleWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith(".ts")) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const worker = new URL(`./${name}.ts`, callerUrl).href;
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(worker)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

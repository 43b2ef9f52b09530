/**
 * "@tensorflow/tfjs" in the playground's browser bundle: tfjs-core with the
 * cpu backend and nothing else, registered as @tensorflow/tfjs registers them
 * (gradients, chained ops like t.add). The library only uses core ops (no
 * layers, converter or data), and the cpu backend runs the same JavaScript
 * kernels as Node's default tfjs backend, so a seed gives the same numbers in
 * the page as `runPlayground` in Node on the cpu backend. (The wasm backend
 * cannot load its .wasm file from file://; webgl would differ from Node in
 * float details and read every step's loss back from the GPU.)
 */
import "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
import "@tensorflow/tfjs-backend-cpu";
export * from "@tensorflow/tfjs-core";

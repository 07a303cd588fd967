/** wrangler's default CompiledWasm rule: a `.wasm` import is a compiled WebAssembly.Module. */
declare module "*.wasm" {
  const value: WebAssembly.Module;
  export default value;
}

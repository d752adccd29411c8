export async function renderOfdPage(
  _ofd: Uint8Array,
  _o: { page: number; dpi: number },
): Promise<{ png: Uint8Array; width: number; height: number; stamps: number }> {
  throw new Error("todo");
}

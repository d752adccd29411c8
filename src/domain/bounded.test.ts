import { describe, expect, it } from "vitest";
import { setKeepingNewest } from "./bounded.js";

describe("setKeepingNewest", () => {
  it("keeps at most max entries, dropping the oldest; setting a key again makes it the newest", () => {
    const map = new Map<string, number>();
    for (const [i, k] of ["a", "b", "c"].entries()) setKeepingNewest(map, k, i, 3);
    setKeepingNewest(map, "a", 10, 3);
    setKeepingNewest(map, "d", 4, 3);
    expect([...map]).toEqual([
      ["c", 2],
      ["a", 10],
      ["d", 4],
    ]);
    setKeepingNewest(map, "e", 5, 1);
    expect([...map]).toEqual([["e", 5]]);
  });
});

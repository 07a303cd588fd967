import { describe, expect, it } from "vitest";
import { nest, shortestFloat32 } from "../../src/core/codecs/json-values.ts";

describe("shortestFloat32", () => {
  it("prints the shortest decimal that reads back as the same float32", () => {
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortestFloat32(Math.fround(1 / 3))).toBe(0.33333334);
    expect(shortestFloat32(Math.fround(16777217))).toBe(16777216);
  });
  it("round-trips every float32 it is given", () => {
    for (let i = 0; i < 2000; i++) {
      const x = Math.fround((Math.sin(i * 12.9898) * 43758.5453) % 1e3);
      expect(Math.fround(shortestFloat32(x))).toBe(x);
    }
  });
});

describe("nest", () => {
  it("re-nests row-major leaves", () => {
    expect(nest([1, 2, 3, 4, 5, 6], [2, 3])).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(nest([1, 2, 3, 4], [2, 1, 2])).toEqual([[[1, 2]], [[3, 4]]]);
    expect(nest([7], [])).toBe(7);
    expect(nest([], [2, 0])).toEqual([[], []]);
  });
});

/** The desk's served OpenAPI document with the platform API on, from a throwaway embedded store. */
import { startTestApp } from "../../../test/support/app.js";
import { testStores } from "../../../test/support/stores.js";
import type { OpenApiDocument } from "./api-types.js";

export async function servedPlatformDocument(): Promise<OpenApiDocument> {
  const store = await testStores[0]!.open();
  const app = await startTestApp(store, undefined, { platforms: { secretKey: "k".repeat(32) } });
  try {
    return (await app.app.inject({ method: "GET", url: "/docs/json" })).json<OpenApiDocument>();
  } finally {
    await app.close();
    await store.dispose();
  }
}

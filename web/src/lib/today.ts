/** Today in Shanghai by the server's clock (GET /api/health), so the portal and the rules agree. */
import { shanghaiDate, type CalendarDate } from "../../../src/domain/dates.js";
import { api } from "../api/client";

export async function serverToday(signal?: AbortSignal): Promise<CalendarDate> {
  try {
    const health = await api.get<{ time: string }>("/api/health", signal);
    return shanghaiDate(new Date(health.time));
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    return shanghaiDate(new Date());
  }
}

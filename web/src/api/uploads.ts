/**
 * The server's upload limit (CERTDESK_UPLOAD_LIMIT_MB), read once: a file over it is refused in
 * the browser before a byte is sent, with the same words as the server's refusal.
 */
import { useEffect, useState } from "react";
import { api } from "./client";

export interface UploadLimits {
  maxBytes: number;
  maxMb: number;
}

let limits: Promise<UploadLimits> | undefined;

function loadLimits(): Promise<UploadLimits> {
  limits ??= api.get<UploadLimits>("/api/uploads/limits").catch((e: unknown) => {
    limits = undefined; // asked again next time; the server still refuses an oversize file
    throw e;
  });
  return limits;
}

/** The limit, once known (undefined while loading or unreachable). */
export function useUploadLimits(): UploadLimits | undefined {
  const [value, setValue] = useState<UploadLimits | undefined>(undefined);
  useEffect(() => {
    let live = true;
    loadLimits().then(
      (l) => live && setValue(l),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return value;
}

/** True when the file is over the limit and must not be sent. */
export function overLimit(file: File, l: UploadLimits | undefined): boolean {
  return l !== undefined && file.size > l.maxBytes;
}

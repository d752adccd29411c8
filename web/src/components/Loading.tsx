/** "Loading…" without Ant Design: what shows while the session or a page's code arrives. */
export function Loading({ text }: { text: string }) {
  return (
    <div className="loading" aria-live="polite">
      <span className="loading-dot" aria-hidden />
      {text}
    </div>
  );
}

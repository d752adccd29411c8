/** A name that may be long (a Chinese company name): one line with an ellipsis and the whole in a tooltip. */
import { Typography } from "antd";
import type { CSSProperties } from "react";

export function LongText({
  text,
  maxWidth,
  strong,
}: {
  text: string;
  maxWidth?: number | string;
  strong?: boolean;
}) {
  const style: CSSProperties = { maxWidth: maxWidth ?? "100%" };
  return (
    <Typography.Text ellipsis={{ tooltip: text }} style={style} strong={strong ?? false}>
      {text}
    </Typography.Text>
  );
}

/** An order's state as a coloured tag in plain words. */
import { Tag } from "antd";
import type { OrderState } from "../api/types";
import { useI18n, type MessageKey } from "../i18n";

const COLOURS: Partial<Record<OrderState, string>> = {
  draft: "default",
  submitted: "processing",
  awaiting_payment: "warning",
  awaiting_paper: "warning",
  rejected: "error",
  paid: "cyan",
  approved: "cyan",
  under_review: "processing",
  resubmitted: "processing",
  in_production: "processing",
  shipped: "blue",
  delivered: "blue",
  completed: "success",
  cancelled: "default",
  expired: "default",
  refunded: "purple",
};

export function stateKey(state: string): MessageKey {
  return `state.${state}` as MessageKey;
}

export function StateTag({ state }: { state: OrderState }) {
  const { t } = useI18n();
  return <Tag color={COLOURS[state] ?? "default"}>{t(stateKey(state))}</Tag>;
}

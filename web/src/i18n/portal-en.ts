/** The portal's strings of portal-zh-CN.ts, in English. */
import type { portalZhCN } from "./portal-zh-CN";

export const portalEn: Record<keyof typeof portalZhCN, string> = {
  "layout.menu": "Menu",
  "layout.closeMenu": "Close the menu",

  "order.replaceRejectedFirst": "Upload the rejected materials again first:",
  "order.rejectedNotReplaced": "To upload again",

  "upload.tooLarge": "The file is too large (at most {limit} MB)",
  "materials.photograph": "Take a photo",
  "materials.photographOf": "Take a photo: {material}",

  "receipt.title": "Transfer receipt",
  "receipt.states":
    "Upload the bank transfer receipt (screenshot or scan) for this order's plan and term: {plan}, {term}, ¥{amount} in all.",
  "receipt.upload": "Upload the transfer receipt",
  "receipt.uploadAgain": "Upload the transfer receipt again",
  "receipt.uploaded": "Transfer receipt sent: finance will confirm the money has arrived",
  "receipt.uploadedAt": "Sent {at}",
  "receipt.decidedAt": "decided {at}",
  "receipt.waiting": "Finance is checking that the money arrived; once confirmed, the keys are made.",
  "receipt.returned": "Returned: {reason}. Check it and upload it again.",
  "receipt.status.submitted": "Waiting for finance",
  "receipt.status.confirmed": "Money received",
  "receipt.status.rejected": "Returned",
};

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

  "timeline.unlockAutoApproved": "Approved automatically: the requester handled the most recent order",
  "deskNext.title": "What happens next",
  "deskNext.review": "The service centre will review your application by {date} and tell you the result.",
  "deskNext.reviewAgain": "Your corrections are in: the service centre will review them again by {date}.",
  "deskNext.production":
    "The service centre will make your USB keys and send them by {date}; an SMS gives the tracking number.",
  "deskNext.invoice": "The electronic invoice will be issued and sent by SMS by {date}.",
  "deskNext.refund": "The refund will reach the account you paid from by {date}.",
  "deskNext.left": "({n} working days left)",

  "refundOrder.title": "Refund",
  "refundOrder.of": "Order to refund",
  "refundOrder.amount": "Amount refunded",
};

/** The strings of account-zh-CN.ts, in English. */
import type { accountZhCN } from "./account-zh-CN";

export const accountEn: Record<keyof typeof accountZhCN, string> = {
  "forgot.link": "Forgot your password?",
  "forgot.title": "Reset your password",
  "forgot.intro":
    "Enter the handler's mobile number: we text a 6-digit code to it, and with the code you set a new password.",
  "forgot.staff": "Staff accounts cannot be reset by SMS: ask the desk's administrator to reset yours.",
  "forgot.mobile": "Mobile number",
  "forgot.mobileRequired": "Enter the handler's mobile number",
  "forgot.send": "Send the code",
  "forgot.sent":
    "If {mobile} is a registered handler's number, a code has been sent; it is valid for {minutes} minutes. Nothing came? Check the number; you can ask again shortly.",
  "forgot.code": "Code from the SMS",
  "forgot.codeRequired": "Enter the 6-digit code from the SMS",
  "forgot.newPassword": "New password",
  "forgot.confirm": "Confirm the new password",
  "forgot.submit": "Reset the password and sign in",
  "forgot.resend": "Send a new code",
  "forgot.resendIn": "New code in {seconds} s",
  "forgot.otherMobile": "Use another number",
  "forgot.backToSignIn": "Back to sign in",
  "forgot.done": "Your password is reset and you are signed in. Every other sign-in has been ended.",
  "messages.template.password-reset-code": "Password reset code",

  "forbidden.title": "Forbidden",
  "forbidden.roles":
    "This page is for the roles: {roles}. Your roles: {mine}. To use it, ask the desk's administrator to give you the role.",
  "forbidden.server": "{message}. To use it, ask the desk's administrator to give you the role.",
  "forbidden.backToOffice": "Back to the office",
  "forbidden.backToPortal": "Back to my desk",
  "forbidden.back": "Back to the previous page",
  "role.reviewer": "reviewer",
  "role.production": "production",
  "role.finance": "finance",
  "role.admin": "administrator",
};

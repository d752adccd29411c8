/** A new password and its confirmation, as sign-up and a forgotten password's reset ask for them. */
import type { FormRule } from "antd";
import type { I18n } from "../i18n";

/** At least 8 characters with a letter and a digit: the server's rule, said before sending. */
export function newPasswordRules(t: I18n["t"]): FormRule[] {
  return [
    { required: true, message: t("auth.passwordRequired") },
    {
      validator: async (_, v: string | undefined) => {
        if (v && (v.length < 8 || !/[A-Za-z]/.test(v) || !/\d/.test(v)))
          throw new Error(t("signUp.passwordHint"));
      },
    },
  ];
}

/** The same password again (the form's field "password"). */
export function confirmPasswordRules(t: I18n["t"]): FormRule[] {
  return [
    { required: true, message: t("signUp.confirmRequired") },
    ({ getFieldValue }) => ({
      validator: async (_, v: string | undefined) => {
        if (v && v !== getFieldValue("password")) throw new Error(t("signUp.confirmMismatch"));
      },
    }),
  ];
}

import sgMail from "@sendgrid/mail";

sgMail.setApiKey("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");

export async function sendReceipt(to: string, orderId: string) {
  await sgMail.send({
    to,
    from: "receipts@acme.io",
    templateId: "d-15af0affafd1187c86935a5a530420e2",
    dynamicTemplateData: { orderId },
  });
}

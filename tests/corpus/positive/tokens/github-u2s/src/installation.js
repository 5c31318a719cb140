// Calls the API as the signed-in user of the Acme Deploy GitHub App.
import { Octokit } from "@octokit/rest";

const octokit = new Octokit({
  auth: "ghu_dCjUUcOYK3mxEyJ3bGjejkXHxuHxS91ccl4q",
  userAgent: "acme-deploy/1.4",
});

export async function listInstallations() {
  const { data } = await octokit.rest.apps.listInstallationsForAuthenticatedUser();
  return data.installations.map((i) => i.account.login);
}

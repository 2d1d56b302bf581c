import { escapeHtml, htmlPage } from './html';

/** After following a verification link. */
export function verifiedPage(email: string): string {
  return htmlPage(
    'Email address confirmed',
    `<h1>Email address confirmed</h1>
<p>Thank you: <strong>${escapeHtml(email)}</strong> is confirmed. You can now sign in to LEAP.</p>`,
  );
}

/** A mail link that did not work (unknown, expired or used token). */
export function linkFailedPage(title: string, detail: string, hint: string): string {
  return htmlPage(title, `<h1>${escapeHtml(title)}</h1>\n<p class="error">${escapeHtml(detail)}</p>\n<p class="hint">${escapeHtml(hint)}</p>`);
}

/**
 * The script of the password-reset form. It is inline and constant: the Content-Security-Policy
 * names its hash (http/security-headers.ts), so no other inline script can run on the page.
 */
export const RESET_PAGE_SCRIPT = `
(function () {
  var form = document.getElementById('reset');
  var result = document.getElementById('result');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var password = form.elements.newPassword.value;
    if (password !== document.getElementById('repeat').value) {
      result.className = 'error';
      result.textContent = 'The two passwords differ.';
      return;
    }
    fetch(window.location.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token: form.elements.token.value, newPassword: password })
    }).then(function (response) {
      if (response.status === 204) {
        form.querySelectorAll('input, button').forEach(function (e) { e.disabled = true; });
        result.className = '';
        result.textContent = 'Your password is changed. Sign in with the new one.';
        return;
      }
      return response.json().then(function (problem) {
        result.className = 'error';
        result.textContent = problem.detail || 'The password could not be changed.';
      });
    }).catch(function () {
      result.className = 'error';
      result.textContent = 'LEAP could not be reached. Try again.';
    });
  });
})();
`;

/**
 * The form behind a password-reset link. It posts `{token, newPassword}` as JSON to
 * `POST /api/v1/auth/reset-password` (the page's own address) and shows the answer.
 */
export function resetPasswordPage(token: string): string {
  return htmlPage(
    'Choose a new password',
    `<h1>Choose a new password</h1>
<form id="reset" method="post" novalidate>
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label for="password">New password</label>
<input id="password" name="newPassword" type="password" autocomplete="new-password" required minlength="8">
<label for="repeat">Repeat it</label>
<input id="repeat" type="password" autocomplete="new-password" required minlength="8">
<p class="hint">At least 8 characters, with a digit and an uppercase letter. Setting it signs you out on every device.</p>
<button type="submit">Set new password</button>
<p id="result" role="status"></p>
</form>
<script>${RESET_PAGE_SCRIPT}</script>`,
  );
}

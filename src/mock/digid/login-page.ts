import type { Level } from './levels.ts';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const h = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

export interface LoginPageInput {
  /** Opaque handle of the pending AuthnRequest (hidden field `request`). */
  readonly handle: string;
  readonly issuer: string;
  readonly level: Level;
  /** A note for testers under the form (who the test users are). */
  readonly note: string;
}

/**
 * The login page: one form posting to /digid/saml/idp/login with the hidden request handle,
 * username (the BSN), password, and two submit buttons, `action=login` and `action=cancel`.
 */
export function loginPage(p: LoginPageInput): string {
  return `<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Inloggen met DigiD (bbsim mock)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#154273}
label{display:block;margin-top:1rem}input[type=text],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}
.buttons{margin-top:1.5rem;display:flex;gap:1rem}button{padding:.5rem 1rem}
.note{font-size:.85rem;color:#555}
</style>
</head>
<body>
<h1>Inloggen met DigiD</h1>
<p>U logt in bij <strong id="afnemer">${h(p.issuer)}</strong>, minimaal niveau <strong id="niveau">${h(p.level)}</strong>.</p>
<form method="post" action="/digid/saml/idp/login" id="login">
<input type="hidden" name="request" value="${h(p.handle)}">
<label for="username">DigiD gebruikersnaam</label>
<input type="text" id="username" name="username" autocomplete="username" required>
<label for="password">Wachtwoord</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="buttons">
<button type="submit" name="action" value="login" id="submit">Inloggen</button>
<button type="submit" name="action" value="cancel" id="cancel" formnovalidate>Annuleren</button>
</div>
</form>
<p class="note">${h(p.note)}</p>
</body>
</html>
`;
}

/**
 * The page DigiD shows when it must not send the burger back (an unknown service provider, an
 * AssertionConsumerServiceURL not registered for it): never a redirect to an unvetted address.
 */
export function errorPage(title: string, detail: string): string {
  return `<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>DigiD: ${h(title)} (bbsim mock)</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#154273}.detail{color:#333}</style>
</head>
<body>
<h1>Er is iets misgegaan</h1>
<p id="title">${h(title)}</p>
<p class="detail" id="detail">${h(detail)}</p>
<p>U wordt niet teruggestuurd naar de dienst. Sluit dit venster en probeer het opnieuw vanaf de website van de organisatie.</p>
</body>
</html>
`;
}

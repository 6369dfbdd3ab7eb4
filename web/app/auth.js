// Log-in and sign-up forms shared by every page that needs an account.
import { api, login } from './api.js';
import { t } from './i18n.js';
import { announce, clear, field, h, showErrors } from './dom.js';

// Renders the forms into `main`; calls onDone() once logged in.
export function authForms(main, { title = t('account.title'), intro, signup = true, onDone }) {
  const loginForm = h('form', { 'aria-labelledby': 'titre-connexion' },
    h('h2', { id: 'titre-connexion' }, t('account.login')),
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    field(t('account.email'), h('input', { name: 'email', type: 'email', autocomplete: 'username', required: true })),
    field(t('account.password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit' }, t('account.login.submit')));
  loginForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = new FormData(loginForm);
    try {
      await login(d.get('email'), d.get('password'));
      announce(t('account.loggedIn'));
      onDone();
    } catch (err) {
      showErrors(loginForm, err, err.status === 401 || err.status === 404 ? t('account.login.failed') : err.message);
    }
  });
  let signupForm = null;
  if (signup) {
    signupForm = h('form', { 'aria-labelledby': 'titre-inscription' },
      h('h2', { id: 'titre-inscription' }, t('account.signup')),
      h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
      field(t('account.name'), h('input', { name: 'displayName', autocomplete: 'name', required: true })),
      field(t('account.email'), h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true })),
      field(t('account.password'), h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: '10' }), { hint: t('account.password.hint') }),
      h('button', { type: 'submit' }, t('account.signup.submit')));
    signupForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const d = new FormData(signupForm);
      try {
        await api('POST', '/v1/accounts', { body: { email: d.get('email'), displayName: d.get('displayName'), password: d.get('password') } });
        await login(d.get('email'), d.get('password'));
        announce(t('account.loggedIn'));
        onDone();
      } catch (err) {
        showErrors(signupForm, err);
      }
    });
  }
  clear(main, h('h1', {}, title), intro ? h('p', {}, intro) : null, h('div', { class: 'layout' }, loginForm, signupForm));
}

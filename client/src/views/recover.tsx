import { useState } from 'preact/hooks';
import { api } from '../api';
import { useAction } from '../use-action';
import { navigate, useView } from '../router';
import { loadMe } from '../session';

/** "Forgot password": the recovery code sets a new password, and a new code replaces it. */
export function Recover() {
  const [pseudonym, setPseudonym] = useState('');
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [newCode, setNewCode] = useState<string | null>(null);
  const { busy, error, run } = useAction('That did not work. Please try again.');
  useView('Forgot password');
  const submit = (event: Event) =>
    run(async () => {
      setNewCode((await api.recover(pseudonym, code.trim(), password)).recoveryCode);
      await loadMe();
    }, event);
  if (newCode) {
    return (
      <section>
        <h1 tabIndex={-1}>Your password is changed</h1>
        <p>Your old recovery code no longer works. Here is your new one, shown only this once:</p>
        <p class="code" data-testid="recovery-code">{newCode}</p>
        <button type="button" onClick={() => navigate('/')}>Continue</button>
      </section>
    );
  }
  return (
    <section>
      <h1 tabIndex={-1}>Forgot password</h1>
      <p>Use the recovery code you saved when you joined.</p>
      <form class="login" onSubmit={submit}>
        <label for="recover-pseudonym">Pseudonym</label>
        <input id="recover-pseudonym" autocomplete="username" value={pseudonym} onInput={(e) => setPseudonym((e.target as HTMLInputElement).value)} />
        <label for="recover-code">Recovery code</label>
        <input id="recover-code" autocomplete="off" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
        <label for="recover-password">New password</label>
        <input id="recover-password" type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>Set new password</button>
        {error && <p role="alert">{error}</p>}
      </form>
    </section>
  );
}

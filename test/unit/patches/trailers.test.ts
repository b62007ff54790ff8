import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { collectTrailers } from '../../../extension/patches/trailers';

const PATCH = `mm: do the thing

Long explanation. Fixes: in prose is not a trailer.
    Fixes: indented lines are not trailers either

Fixes: 0123456789ab ("mm: the bug")
Reported-by: Rep Orter <rep@example.org>
Closes: https://lore.kernel.org/r/abc@example.org
Suggested-by: Sug <sug@example.org>
Co-developed-by: Co Dev <co@example.org>
Signed-off-by: Co Dev <co@example.org>
signed-off-by: Ann Author <ann@example.org>
Requested-by: Someone <some@example.org>
Cc: stable@vger.kernel.org
Link: https://example.org/x
Acked-by: A <a@example.org>
Tested-by: T <t@example.org>
Reviewed-by: R <r@example.org>
Not-a-trailer: value
---
Reviewed-by: in the notes below the line <no@example.org>
 mm/x.c | 2 +-
diff --git a/mm/x.c b/mm/x.c
+Signed-off-by: inside the diff <no@example.org>
`;

test('a patch: trailers above the --- line, keys canonical, in order', () => {
  const got = collectTrailers(PATCH, 'p@x');
  assert.deepEqual(got.map((t) => `${t.key}: ${t.value}`), [
    'Fixes: 0123456789ab ("mm: the bug")',
    'Reported-by: Rep Orter <rep@example.org>',
    'Closes: https://lore.kernel.org/r/abc@example.org',
    'Suggested-by: Sug <sug@example.org>',
    'Co-developed-by: Co Dev <co@example.org>',
    'Signed-off-by: Co Dev <co@example.org>',
    'Signed-off-by: Ann Author <ann@example.org>',
    'Requested-by: Someone <some@example.org>',
    'Cc: stable@vger.kernel.org',
    'Link: https://example.org/x',
    'Acked-by: A <a@example.org>',
    'Tested-by: T <t@example.org>',
    'Reviewed-by: R <r@example.org>',
  ]);
  assert.ok(got.every((t) => t.messageId === 'p@x'));
});

test('a diff without a --- line: stops at diff --git', () => {
  const got = collectTrailers('Signed-off-by: A <a@x>\ndiff --git a/f b/f\n+Acked-by: B <b@x>\n', 'm');
  assert.deepEqual(got.map((t) => t.value), ['A <a@x>']);
});

test('a reply: unquoted trailers count, quoted ones and the signature do not', () => {
  const reply = [
    'On Wed, Ann wrote:',
    '> Signed-off-by: Ann <ann@example.org>',
    '>> Reviewed-by: Old <old@example.org>',
    '> ---',
    '> diff --git a/mm/x.c b/mm/x.c',
    '',
    'Looks good to me.',
    '',
    'Reviewed-by: Rev Iewer <rev@example.org>',
    'Tested-by:Rev Iewer <rev@example.org>',
    'Acked-by:   ',
    '',
    '-- ',
    'Cc: in the signature <sig@example.org>',
  ].join('\r\n');
  const got = collectTrailers(reply, 'r@x');
  assert.deepEqual(got, [
    { key: 'Reviewed-by', value: 'Rev Iewer <rev@example.org>', messageId: 'r@x' },
    { key: 'Tested-by', value: 'Rev Iewer <rev@example.org>', messageId: 'r@x' },
  ]);
});

test('nothing to find', () => {
  assert.deepEqual(collectTrailers('', 'x'), []);
  assert.deepEqual(collectTrailers('Hello: world\nSubject: no\n', 'x'), []);
});

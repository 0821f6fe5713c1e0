import { describe, expect, it } from 'vitest';
import { FleetError, invalid } from '../src/errors.js';

describe('FleetError', () => {
  it('stays one line when a name from the input holds control characters', () => {
    const e = invalid("argument 'port={{ port }}\n\t\u001b[31m' is not known", { file: 'site.yaml', line: 8, column: 45 });
    expect(e).toBeInstanceOf(FleetError);
    expect(e.message).toBe("site.yaml:8:45: argument 'port={{ port }}\\n\\t\\u001b[31m' is not known");
  });
});

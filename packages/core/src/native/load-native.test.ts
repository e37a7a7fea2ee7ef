import { describe, expect, it } from 'vitest';
import { NativeUnavailableError } from '../errors.js';
import { loadNative } from './load-native.js';

describe('loadNative', () => {
  it('loads the built addon, or throws NativeUnavailableError naming the fix', () => {
    try {
      const native = loadNative();
      expect(typeof native.openSocket).toBe('function');
      expect(loadNative()).toBe(native);
    } catch (error) {
      expect(NativeUnavailableError.is(error)).toBe(true);
      expect((error as Error).message).toMatch(/build:native/);
    }
  });

  it('is not loaded by importing the package entry', async () => {
    // Importing must not touch the addon: only the first bound socket does.
    const mod = await import('../index.js');
    expect(typeof mod.createBoundSocket).toBe('function');
  });
});

import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod's small build carries no messages of its own: every bundle that validates anything says why in English.
config(en());

"""Pure building blocks shared by every domain: settings, errors, money, time. No I/O."""

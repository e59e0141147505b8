"""The built-in prompt templates (`*.md`), a package so that they ship in the wheel: `assistant.prompts` reads them
through `importlib.resources`."""

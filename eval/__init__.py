"""The question-answer evaluation set and the batch runner (`assistant eval`)."""

"""Speech output: the voice engines (natural, pyttsx3), rendering sentence by sentence, the mouth."""

"""The listener: voice activity, denoising, end of command, the wake-word gate; blocks in, utterances out."""

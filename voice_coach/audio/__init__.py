"""Sound in and out: the one audio format, PortAudio streams, the microphone, devices, chimes and the player."""

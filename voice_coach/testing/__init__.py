"""Test helpers shipped with the package (like click.testing): speech made at test time, the PulseAudio null-sink rig, a loopback model server, fakes."""

# The parts of Authlib 1.9 that single sign-on uses (types-Authlib describes 1.8).

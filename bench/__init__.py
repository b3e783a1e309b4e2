"""The load benchmark of the production configuration (`make bench`); never
imported by the app or the tests."""

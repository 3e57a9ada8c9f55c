"""Person profiles: computed traits kept current load by load, and the profile read."""

"""Singer tap for Smartlead."""

# British-style English for a Norwegian audience: "31 March 2026 at 23:59",
# day first and a 24-hour clock, as the Norwegian pages have.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = r"j F Y \a\t H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"

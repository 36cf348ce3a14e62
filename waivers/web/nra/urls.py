app_name = "nra"
urlpatterns: list = []

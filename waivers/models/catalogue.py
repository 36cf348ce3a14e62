from django.db import models

from .people import Organisation


class Site(models.Model):
    """A manufacturing or testing site of an organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.TextField()
    country = models.CharField(max_length=2, help_text="ISO 3166 alpha-2")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="unique_site_name_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class AtmpClass(models.TextChoices):
    CT = "CT", "Cell therapy"
    GT = "GT", "Gene therapy"
    TEP = "TEP", "Tissue-engineered product"
    TRADITIONAL = "traditional", "Traditional medicine"


class ProductionModel(models.TextChoices):
    MTS = "MTS", "Make to stock"
    MTO = "MTO", "Make to order (patient-specific)"


class Product(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(max_length=200)
    atmp_class = models.CharField("ATMP class", max_length=12, choices=AtmpClass.choices)
    production_model = models.CharField(max_length=3, choices=ProductionModel.choices)
    storage = models.CharField(
        "storage condition",
        max_length=200,
        help_text="e.g. 15–25 °C, or ≤ −150 °C vapour phase of liquid nitrogen",
    )
    shelf_life_days = models.DecimalField(
        max_digits=8, decimal_places=2, help_text="Days; 72 hours is 3."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="unique_product_name_per_organisation"
            ),
            models.CheckConstraint(
                name="product_shelf_life_positive", condition=models.Q(shelf_life_days__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return self.name

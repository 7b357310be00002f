"""The phone build: can `flet build` install what the field app needs?"""

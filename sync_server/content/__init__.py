"""The shipped content, plain data files (no code here): the Thai Nguyen checklists
(``checklists/*.yaml`` and their generated ``.xlsx`` copies), the directive's measures
(``directive_measures.yaml``, quoting ``sources/``) and a demo site registry
(``sites_thai_nguyen.csv``).

They are read by ``sync_server.core.content``, the one loader: ``seed-demo`` loads them with the
same checklist reader the content's tests check.
"""

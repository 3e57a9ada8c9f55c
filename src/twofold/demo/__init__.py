"""The deterministic demo company: ``generator.build_demo_company`` and ``sizes.DemoSize``.

See docs/subsystems/demo.md. (Nothing is imported here: the writer process runs
``python -m twofold.demo.writer_process`` and should not import the generator first.)
"""

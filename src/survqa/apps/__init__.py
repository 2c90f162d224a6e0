"""What people use: the command line and the Gradio web UI (``app.py`` at the top of the
checkout is a thin shell around :func:`survqa.apps.webui.build_app`)."""

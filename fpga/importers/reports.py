"""placeholder replaced below"""
def detect_report(name, head):
    return False
def iter_report_folder(path, label_source, skip):
    return iter(())

print("not the script")

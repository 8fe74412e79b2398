/** The `file` loader turns an import of this script into the path of the embedded file. */
declare const path: string;
export default path;

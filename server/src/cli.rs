//! The subcommands: `centrale user ...` and `centrale token ...` (operators, on the database
//! `--database` names; the server may be running), `centrale migrate-data` (everything to
//! PostgreSQL) and `centrale backup` (a consistent copy of a SQLite database). Each opens the
//! database, does its one job and closes it.

use anyhow::{Context, bail};
use clap::Subcommand;
use engine::operators::Role;
use engine::{Engine, EngineConfig};
use std::io::BufRead;

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Users of the dashboard and the API.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens (`Authorization: Bearer ...`).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Copies every row of one database (`--from`, e.g. sqlite://centrale.db) into a PostgreSQL
    /// database (`--to`), creating its schema; ids are kept. All or nothing: a failed run
    /// leaves the target as it was, and may be run again.
    MigrateData {
        /// The database to copy: sqlite://PATH or postgres://...
        #[arg(long)]
        from: String,
        /// The PostgreSQL database to fill: postgres://USER:PASSWORD@HOST:PORT/DATABASE.
        #[arg(long)]
        to: String,
        /// Copy the message log (the frame trace) too.
        #[arg(long)]
        with_message_log: bool,
        /// Empty the target first if it holds rows (otherwise it is refused).
        #[arg(long)]
        replace: bool,
    },
    /// Writes a consistent copy of the SQLite database `--database` names to FILE (a new
    /// file), while the server may be running on it. For PostgreSQL, use pg_dump.
    Backup { file: std::path::PathBuf },
}

#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Adds a user. The password is read from stdin with --password-stdin; otherwise a random
    /// one is made and printed once.
    Add {
        username: String,
        /// admin (everything), operator (commands, id tags) or viewer (read only).
        #[arg(long, default_value = "admin")]
        role: Role,
        /// Read the password from the first line of stdin (at least 12 characters).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Lists the users and their roles.
    List,
    /// Sets a new password (read from stdin with --password-stdin, or made and printed).
    Password {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Removes a user (never the last admin).
    Remove { username: String },
}

#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Makes an API token for a user and prints it once.
    Add {
        /// Whose token it is.
        #[arg(long)]
        user: String,
        /// What it is for.
        #[arg(long)]
        name: String,
        /// Its role: at most the user's own.
        #[arg(long, default_value = "viewer")]
        role: Role,
    },
}

/// The password from stdin, or a new random one; and whether it was made (to print it).
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    Ok(if from_stdin {
        (read_password()?, false)
    } else {
        (engine::secret::random_secret(20), true)
    })
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("could not read the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Runs one command against the database of `config`.
pub async fn run(config: &crate::Config, command: Command) -> anyhow::Result<()> {
    match command {
        Command::MigrateData {
            from,
            to,
            with_message_log,
            replace,
        } => return migrate_data(&from, &to, with_message_log, replace).await,
        Command::Backup { file } => {
            let bytes = engine::store::copy::backup(&config.database, &file).await?;
            println!(
                "backed up {} to {} ({bytes} bytes)",
                engine::store::backend::redact(&config.database),
                file.display()
            );
            return Ok(());
        }
        Command::User(_) | Command::Token(_) => {}
    }
    let engine = Engine::open(EngineConfig {
        database_url: config.database.clone(),
        ..EngineConfig::default()
    })
    .await
    .with_context(|| {
        format!(
            "could not open the database {}",
            engine::store::backend::redact(&config.database)
        )
    })?;
    let result = execute(&engine, command).await;
    engine.shutdown().await;
    result
}

async fn migrate_data(
    from: &str,
    to: &str,
    message_log: bool,
    replace: bool,
) -> anyhow::Result<()> {
    use engine::store::backend::redact;
    use engine::store::copy::{CopyOptions, Progress};
    println!("copying {} to {}", redact(from), redact(to));
    let options = CopyOptions {
        message_log,
        replace,
    };
    let mut show = |p: Progress| match p {
        Progress::Table { table, rows } => println!("{table}: {rows} rows"),
        Progress::Rows { table, copied } if copied % 50_000 == 0 => {
            println!("{table}: {copied} copied")
        }
        Progress::Rows { .. } => {}
        Progress::Counted {
            table,
            source,
            target,
        } => println!("{table}: counted {source} in the source, {target} in the target"),
    };
    let copied = engine::store::copy::migrate_data(from, to, options, &mut show).await?;
    let total: u64 = copied.iter().map(|(_, n)| n).sum();
    println!(
        "done: {total} rows in {} tables, committed; start Centrale with --database {}",
        copied.len(),
        redact(to)
    );
    Ok(())
}

async fn execute(engine: &Engine, command: Command) -> anyhow::Result<()> {
    match command {
        Command::User(UserCommand::Add {
            username,
            role,
            password_stdin,
        }) => {
            let (password, made) = password(password_stdin)?;
            if let Err(e) = engine.add_user(&username, &password, role).await? {
                bail!("{e}");
            }
            println!("added {role} {username}");
            if made {
                println!("password: {password}");
                println!("(shown once; change it with `centrale user password {username}`)");
            }
        }
        Command::User(UserCommand::List) => {
            for user in engine.users().await? {
                println!("{}\t{}", user.username, user.role);
            }
        }
        Command::User(UserCommand::Password {
            username,
            password_stdin,
        }) => {
            let (password, made) = password(password_stdin)?;
            if let Err(e) = engine.change_user(&username, None, Some(&password)).await? {
                bail!("{e}");
            }
            println!("new password set for {username}; their sessions ended");
            if made {
                println!("password: {password}");
            }
        }
        Command::User(UserCommand::Remove { username }) => {
            if let Err(e) = engine.delete_user(&username).await? {
                bail!("{e}");
            }
            println!("removed {username}");
        }
        Command::Token(TokenCommand::Add { user, name, role }) => {
            match engine.add_api_token(&user, &name, role).await? {
                Ok((id, token)) => {
                    println!("token {id} ({role}, {user}, {name}):");
                    println!("{token}");
                }
                Err(e) => bail!("{e}"),
            }
        }
        Command::MigrateData { .. } | Command::Backup { .. } => {
            bail!("this command does not run on the engine")
        }
    }
    Ok(())
}

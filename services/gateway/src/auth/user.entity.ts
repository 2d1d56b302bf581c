import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A gateway account. Emails are stored lower-cased; the password only as a scrypt hash. */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  email!: string;

  @Column('text', { name: 'password_hash' })
  passwordHash!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
